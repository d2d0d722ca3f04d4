"""Crime-prevention plans: measures, the measures library, and review and adoption (workflow.py)."""
