"""AMI: the link to Asterisk's manager interface, typed events, and the live queue board."""
