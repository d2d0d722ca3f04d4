"""Safety surveys: the issue catalogue, questionnaires, responses, validation and the survey API."""
