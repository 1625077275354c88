"""Comments on hypotheses, tests and reviews: safe Markdown, @mentions, edit and delete rules."""
