"""FastAGI: the server Asterisk connects to, the AGI channel commands, the wire protocol."""
