"""The online logistics service hall (网上后勤服务大厅, S1, issue #20)."""
