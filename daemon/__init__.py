"""igsync daemon: turns forwarded Instagram authorization codes into stored customers and leads."""

__version__ = "0.1.0"
