-- Take a lease for a reader if nobody holds one (used for pointer leases where read-pointer cannot: on a Cluster, and
-- when the row a pointer reached was stale).
-- KEYS[1] lease
-- ARGV[1] reader lease value, ARGV[2] lease ttl (ms)
-- Returns {'lease'} | {'wait', current lease value}
--#include lease-or-wait
return lease_or_wait(KEYS[1], ARGV[1], ARGV[2])
