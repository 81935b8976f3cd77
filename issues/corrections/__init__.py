"""Correcting a published issue: new editions and the mail that tells readers."""
