"""通知与出件: Notifications and result delivery."""
