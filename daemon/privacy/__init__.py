"""Meta's deauthorize and data-deletion callbacks and `igsync forget`: erasing here at once, then
in WordPress."""
