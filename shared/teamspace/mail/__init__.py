"""Mail sent on events: which event sends which template to whom, and the SES adapter."""
