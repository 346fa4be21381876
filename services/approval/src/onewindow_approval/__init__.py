"""后台分类审批: Back-office approval: parallel department items, 秒批 rules, working-day deadlines."""
