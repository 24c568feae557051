"""Electronic supervision (电子监察): when each level of a clock's ladder fires (pure)."""
