"""Sign-in lockout, password reset, the client's address, and secrets kept out of logs."""
