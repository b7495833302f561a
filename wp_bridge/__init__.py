"""Everything that talks to WordPress: signing, the intake app, the REST client, the plugin."""
