"""Users, login, sessions and login throttling."""
