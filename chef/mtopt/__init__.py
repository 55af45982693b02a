"""MT-Opt data sharing: task families, task impersonation, re-balanced sampling."""
