"""How work runs: the scheduler and its worker pools, the HTTP server, systemd's notify protocol,
the sandbox served in sandbox mode."""
