"""Call flows run by the FastAGI server, one coroutine per AGI route."""
