"""WSGI entry point: `gunicorn wsgi:app`."""
from cpplan import create_app

app = create_app()
