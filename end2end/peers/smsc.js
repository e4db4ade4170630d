// A scripted SMSC for the SMPP integration tests: node-smpp (an independent SMPP implementation)
// as the server our client binds to. It prints one JSON line per event on stdout; the test reads
// them. Behaviour is chosen by the last four digits of the destination:
//   …0000  submit_sm refused: ESME_RINVDSTADR (0x0B)
//   …0008  submit_sm refused: ESME_RSYSERR (0x08, the gateway's fault)
//   …0058  ESME_RTHROTTLED (0x58) for the first two submits to that number, then accepted
//   …0005  accepted, receipt UNDELIV err:034
//   …0016  accepted with a hex id, receipt names it in decimal (text only, no TLVs)
//   other  accepted, receipt DELIVRD with receipted_message_id and message_state TLVs
// Usage: node smsc.js --system-id ID --password PW [--port 0] [--receipt-delay-ms 100]
import smpp from 'smpp';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const SYSTEM_ID = args['system-id'] ?? 'ccgate';
const PASSWORD = args.password ?? 'secret';
const RECEIPT_DELAY = Number(args['receipt-delay-ms'] ?? 100);

const log = (event) => process.stdout.write(JSON.stringify(event) + '\n');
let nextId = 0x1000;
const throttled = new Map();

function stamp(d) {
  const p = (n) => String(n).padStart(2, '0');
  return `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}`;
}

function text(pdu) {
  const sm = pdu.short_message;
  if (sm && typeof sm === 'object' && !Buffer.isBuffer(sm)) {
    return { message: typeof sm.message === 'string' ? sm.message : String(sm.message ?? ''), udh: sm.udh ? [...sm.udh[0]] : null };
  }
  return { message: Buffer.isBuffer(sm) ? sm.toString('latin1') : String(sm ?? ''), udh: null };
}

const server = smpp.createServer({ debug: false }, (session) => {
  session.on('error', (e) => log({ event: 'session_error', error: String(e) }));
  session.on('bind_transceiver', (pdu) => {
    session.pause();
    const ok = pdu.system_id === SYSTEM_ID && pdu.password === PASSWORD;
    const status = ok ? 0 : pdu.system_id !== SYSTEM_ID ? smpp.ESME_RINVSYSID : smpp.ESME_RINVPASWD;
    log({ event: 'bind', system_id: pdu.system_id, interface_version: pdu.interface_version, status });
    session.send(pdu.response({ command_status: status, system_id: 'node-smsc' }));
    if (ok) session.resume();
    else setTimeout(() => session.close(), 50);
  });
  session.on('enquire_link', (pdu) => {
    log({ event: 'enquire_link' });
    session.send(pdu.response());
  });
  session.on('unbind', (pdu) => {
    log({ event: 'unbind' });
    session.send(pdu.response());
    session.close();
  });
  session.on('submit_sm', (pdu) => {
    const dest = String(pdu.destination_addr);
    const tail = dest.slice(-4);
    const { message, udh } = text(pdu);
    const base = {
      event: 'submit',
      dest,
      dest_ton: pdu.dest_addr_ton,
      dest_npi: pdu.dest_addr_npi,
      src: String(pdu.source_addr),
      src_ton: pdu.source_addr_ton,
      src_npi: pdu.source_addr_npi,
      data_coding: pdu.data_coding,
      esm_class: pdu.esm_class,
      registered_delivery: pdu.registered_delivery,
      udh,
      message,
    };
    let status = 0;
    if (tail === '0000') status = smpp.ESME_RINVDSTADR;
    else if (tail === '0008') status = smpp.ESME_RSYSERR;
    else if (tail === '0058') {
      const n = throttled.get(dest) ?? 0;
      throttled.set(dest, n + 1);
      if (n < 2) status = smpp.ESME_RTHROTTLED;
    }
    if (status !== 0) {
      log({ ...base, status });
      session.send(pdu.response({ command_status: status }));
      return;
    }
    const n = nextId++;
    const id = n.toString(16);
    log({ ...base, status, id });
    session.send(pdu.response({ message_id: id }));
    setTimeout(() => {
      const now = stamp(new Date());
      const undeliv = tail === '0005';
      const decimal = tail === '0016';
      const rid = decimal ? String(n) : id;
      const stat = undeliv ? 'UNDELIV' : 'DELIVRD';
      const receipt = {
        source_addr: dest,
        destination_addr: String(pdu.source_addr),
        esm_class: 4,
        short_message: `id:${rid} sub:001 dlvrd:${undeliv ? '000' : '001'} submit date:${now} done date:${now} stat:${stat} err:${undeliv ? '034' : '000'} text:`,
      };
      if (!decimal) {
        receipt.receipted_message_id = rid;
        receipt.message_state = undeliv ? 5 : 2;
      }
      session.deliver_sm(receipt, (resp) => log({ event: 'receipt_ack', id: rid, status: resp.command_status }));
    }, RECEIPT_DELAY);
  });
});

server.listen(Number(args.port ?? 0), '127.0.0.1', () => {
  log({ event: 'listening', port: server.address().port });
});
// Never outlive the test that started it.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
