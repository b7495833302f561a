"""One code to one lead: the exchange (a code's steps at Instagram), the lead's delivery to
WordPress, telling WordPress of codes that end without a lead, and the retry policy they share."""
