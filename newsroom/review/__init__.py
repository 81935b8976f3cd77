"""Reviewing a story: the workflow, comment threads and their mail, outside reviewers."""
