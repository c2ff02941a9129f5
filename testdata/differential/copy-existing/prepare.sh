chmod 0755 local/bin/tool
chmod 0750 local/share
chmod 0700 local/bin
