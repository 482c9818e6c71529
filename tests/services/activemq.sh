#!/bin/bash
# tests/services/activemq.sh start|stop STATE_DIR PORT: the broker the ABIS
# tests use: Debian's ActiveMQ Classic run as a foreground java process of
# our own (service scripts may not start daemons here), with STOMP on
# 127.0.0.1:PORT only, no persistence, no JMX, and a login: user "tunggal",
# the password written to STATE_DIR/broker.password (owner-only); anonymous
# access refused. stop: stops the broker start started.
# Prints "activemq: unavailable" and exits 0 when the package is missing,
# so that tests can say why they did not run.
set -eu
cmd="$1"
state="$2"
port="${3:-61613}"
mkdir -p "$state"
pidfile="$state/activemq.pid"
case "$cmd" in
  start)
    jar=/usr/share/activemq/bin/activemq.jar
    java=/usr/lib/jvm/java-17-openjdk-amd64/bin/java
    [ -x "$java" ] || java="$(command -v java || true)"
    if [ ! -f "$jar" ] || [ -z "$java" ]; then
      echo "activemq: unavailable (install activemq)"
      exit 0
    fi
    if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      echo "activemq: running already on $port"
      exit 0
    fi
    mkdir -p "$state/conf" "$state/data" "$state/tmp"
    umask 077
    [ -s "$state/broker.password" ] || head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$state/broker.password"
    password="$(cat "$state/broker.password")"
    cat > "$state/conf/activemq.xml" <<XML
<beans xmlns="http://www.springframework.org/schema/beans"
       xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
       xsi:schemaLocation="http://www.springframework.org/schema/beans http://www.springframework.org/schema/beans/spring-beans-2.0.xsd
       http://activemq.apache.org/schema/core http://activemq.apache.org/schema/core/activemq-core.xsd">
  <broker xmlns="http://activemq.apache.org/schema/core" brokerName="tunggal-test" persistent="false"
          useJmx="false" dataDirectory="$state/data" schedulerSupport="false">
    <plugins>
      <simpleAuthenticationPlugin anonymousAccessAllowed="false">
        <users>
          <authenticationUser username="tunggal" password="$password" groups="users,admins"/>
        </users>
      </simpleAuthenticationPlugin>
    </plugins>
    <transportConnectors>
      <transportConnector name="stomp" uri="stomp://127.0.0.1:$port?transport.closeAsync=false"/>
    </transportConnectors>
  </broker>
</beans>
XML
    cp /etc/activemq/instances-available/main/log4j2.properties "$state/conf/" 2>/dev/null || true
    setsid "$java" -Xms128m -Xmx384m -Djava.awt.headless=true -Djava.io.tmpdir="$state/tmp" \
      --add-reads=java.xml=java.logging \
      --add-opens java.base/java.security=ALL-UNNAMED --add-opens java.base/java.net=ALL-UNNAMED \
      --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/java.util=ALL-UNNAMED \
      --add-opens java.naming/javax.naming.spi=ALL-UNNAMED --add-opens java.rmi/sun.rmi.transport.tcp=ALL-UNNAMED \
      --add-opens java.base/java.util.concurrent=ALL-UNNAMED --add-opens java.base/java.util.concurrent.atomic=ALL-UNNAMED \
      -Dactivemq.classpath="$state/conf" -Dactivemq.home=/usr/share/activemq -Dactivemq.base="$state" \
      -Dactivemq.conf="$state/conf" -Dactivemq.data="$state/data" \
      -jar "$jar" start "xbean:file:$state/conf/activemq.xml" > "$state/activemq.log" 2>&1 < /dev/null &
    echo $! > "$pidfile"
    i=0
    until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
      i=$((i + 1))
      if ! kill -0 "$(cat "$pidfile")" 2>/dev/null || [ $i -gt 600 ]; then
        echo "activemq: the broker did not start" >&2
        tail -30 "$state/activemq.log" >&2
        exit 1
      fi
      sleep 0.1
    done
    echo "activemq: running; STOMP on 127.0.0.1:$port, user tunggal, password in $state/broker.password"
    ;;
  stop)
    if [ -f "$pidfile" ]; then
      pid="$(cat "$pidfile")"
      kill "$pid" 2>/dev/null || true
      i=0
      while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
      rm -f "$pidfile"
    fi
    echo "activemq: stopped"
    ;;
  *)
    echo "usage: $0 start|stop STATE_DIR [PORT]" >&2
    exit 2
    ;;
esac
