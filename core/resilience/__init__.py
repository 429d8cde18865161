"""Retries, circuit breakers and admission control, shared by every session."""
