chmod 4755 modes/suid
chmod 2711 modes/sgid
chmod 0444 modes/readonly
chmod 0700 modes/private
mkdir -m 1777 modes/sticky
