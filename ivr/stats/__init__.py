"""Call-centre statistics as pure functions: service level, speed of answer, abandon rate."""
