"""The resident portal: register numbers and addresses with a PIN, manage them, opt out."""
