"""Running the hotline locally: render Asterisk's config, launch and supervise the services."""
