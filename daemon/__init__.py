"""igsync daemon: turns forwarded Instagram authorization codes into stored customers and leads."""

# The one version of igsync, the daemon and the bridge plugin alike: pyproject.toml reads it
# (dynamic), and `igsync wp-plugin` writes it into the plugin's header and readme.
__version__ = "0.8.0"
