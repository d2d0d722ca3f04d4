"""Real-browser tests: the app behind gunicorn, driven by headless Chromium (marker `e2e`)."""
