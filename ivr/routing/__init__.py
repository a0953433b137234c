"""Pure routing decisions: which queue a call goes to."""
