"""Writing a story: its body's shape and allowlist, pasting, versioned edits, search."""
