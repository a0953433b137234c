"""Several Asterisk nodes behind one Kamailio (README "Cluster")."""
