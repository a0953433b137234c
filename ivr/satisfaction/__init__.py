"""The satisfaction follow-up: a resolved phone ticket's citizen is called back and asked
for a rating from 1 to 5 (and an optional spoken comment); an SMS with a link to rate on the
tracking page is the fallback when the call is not answered. The ratings make the agencies'
satisfaction rate on the scorecard."""
