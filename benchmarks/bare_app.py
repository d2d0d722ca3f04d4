"""The floor for throughput.py: a bare Flask app with one route, served the same way as cpplan."""
from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello() -> str:
    return "Hello, World!"
