/**
 * The live feed: the websocket /ws of the frontend that served the page. When it closes, or stays silent
 * too long while open (a dead network path), it connects again after an exponential back-off with jitter;
 * at once when the browser comes back online or the tab is shown again.
 */

const STALE_AFTER_MS = 10_000; // an open feed silent this long is reconnected
const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 10_000;

/**
 * Connects and keeps connecting.
 * - `onMessage(message)`: each message that is a JSON object.
 * - `onState(state, text)`: `ok` (live), `warn` (connecting) or `error` (waiting to reconnect), with a text
 *   to show.
 */
export function connectFeed({ onMessage, onState }) {
  let socket = null;
  let attempts = 0;
  let reconnectTimer = 0;
  let lastMessageAt = 0;

  function connect() {
    clearTimeout(reconnectTimer);
    reconnectTimer = 0;
    onState('warn', attempts === 0 ? 'connecting…' : 'reconnecting…');
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    let ws;
    try {
      ws = new WebSocket(`${scheme}//${location.host}/ws`);
    } catch {
      scheduleReconnect();
      return;
    }
    socket = ws;
    ws.addEventListener('open', () => {
      attempts = 0;
      lastMessageAt = Date.now();
      onState('ok', 'live');
    });
    ws.addEventListener('message', (event) => {
      lastMessageAt = Date.now();
      receive(event.data);
    });
    ws.addEventListener('close', () => {
      if (socket !== ws) return;
      socket = null;
      scheduleReconnect();
    });
  }

  /** Exponential back-off with jitter: ~0.5 s, 1 s, 2 s, … up to 10 s. */
  function scheduleReconnect() {
    if (reconnectTimer) return;
    attempts++;
    const ceiling = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** (attempts - 1));
    const delay = ceiling / 2 + (Math.random() * ceiling) / 2;
    onState('error', `reconnecting in ${Math.max(1, Math.round(delay / 1000))} s…`);
    reconnectTimer = setTimeout(connect, delay);
  }

  function receive(data) {
    let message;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    if (!message || typeof message !== 'object') return;
    onMessage(message);
  }

  // An open feed that went silent (a dead network path) is dropped and connected again.
  setInterval(() => {
    if (socket && socket.readyState === WebSocket.OPEN && Date.now() - lastMessageAt > STALE_AFTER_MS) {
      const ws = socket;
      socket = null;
      ws.close();
      scheduleReconnect();
    }
  }, 2_000);
  // Back online, or the tab shown again: do not wait out the back-off.
  const reconnectNow = () => {
    if (reconnectTimer && document.visibilityState === 'visible') connect();
  };
  addEventListener('online', reconnectNow);
  document.addEventListener('visibilitychange', reconnectNow);

  connect();
}
