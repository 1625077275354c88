"""Notifications (issue 15): events → outbox → e-mail and team webhooks, delivered by a worker.

``events.notify`` is the one entry point of the domain; ``outbox.enqueue_email`` sends a message
that bypasses people's choices (invitations, password resets). Both write rows in the caller's
session and never commit: the message exists exactly when the change that caused it does.
"""
