# Build-time selection: one line per applet (y = built in, n = left out).
# Override in config/local.mk (git-ignored) or on the make command line.
APPLET_images  = y
APPLET_tag     = y
APPLET_rmi     = y
APPLET_inspect = y
APPLET_history = y
APPLET_save    = y
APPLET_load    = y
APPLET_import  = y
APPLET_prune   = y
APPLET_run     = y
APPLET_ps      = y
APPLET_rm      = y
APPLET_exec    = y
APPLET_stop    = y
APPLET_start   = y
APPLET_logs    = y
APPLET_commit  = y
APPLET_export  = y
APPLET_diff    = y
APPLET_pause   = y
APPLET_unpause = y
APPLET_pull    = y
APPLET_push    = y
APPLET_login   = y
APPLET_logout  = y
APPLET_search  = y
