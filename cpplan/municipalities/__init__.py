"""Municipalities, areas, working groups, organisations, memberships, roles and the planning guide."""
