"""The plan's documents: printable page, PDF and DOCX of the plan and its funding brief."""
