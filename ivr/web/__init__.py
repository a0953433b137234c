"""The web side: JSON API, health, and (later) wallboard, console and admin pages."""
