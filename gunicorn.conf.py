"""gunicorn reads this file from its working directory: it refuses settings unsafe for serving users.

Command-line options (workers, bind, timeouts) still come from the command line; see docs/deploy.md.
"""


def on_starting(server):
    """Before any worker starts: no debug mode, a long secret key, shared rate limits with several workers."""
    import sys  # imported here: every top-level name of this file would be read as a gunicorn setting

    from cpplan import config

    try:
        config.check_server(config.from_environment(), workers=server.cfg.workers)
    except config.ConfigError as problem:
        print(f"cpplan refuses to start: {problem}", file=sys.stderr, flush=True)
        sys.exit(1)
