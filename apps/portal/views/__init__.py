"""Thin views: validate, ask the access policy, call a selector or a service, render."""
