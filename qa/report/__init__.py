"""Reports: answers written as a cited report (Markdown, Word, HTML), and every citation in a report checked later."""
