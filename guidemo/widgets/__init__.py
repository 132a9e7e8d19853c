"""The shared kit panels build with: source view, lane chart, palette, small helpers.

Widgets know nothing of panels or of the app shell: nothing here imports
`guidemo.panels` or `guidemo.ui`.
"""
