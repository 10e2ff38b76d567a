"""Mock Interview: command line and composition of the services."""
