"""Tests that drive a real browser against the app served over HTTP."""
