"""The floor for throughput.py and submissions.py: a bare Flask app served the same way as cpplan.

`GET /` returns "Hello, World!" (throughput.py's floor). `POST /responses` is submissions.py's
floor: it parses the JSON body as the real endpoint must and answers 201 with a small JSON object,
touching no database, session, limiter or template.
"""
from flask import Flask, jsonify, request

app = Flask(__name__)


@app.route("/")
def hello() -> str:
    return "Hello, World!"


@app.post("/responses")
def responses():
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or "uuid" not in body:
        return jsonify({"error": "bad_request"}), 400
    return jsonify({"uuid": body["uuid"], "status": "stored"}), 201
