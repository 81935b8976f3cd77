"""Readers: who may read what, subscriber lists, licences, mail preferences, downloads and reach."""
