"""Budget tracking: allocations, expenditures and progress of the plan's measures."""
