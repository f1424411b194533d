import assert from 'node:assert/strict';
import { ScramClient } from './scram';

describe('SCRAM client (RFC 7677 test vector)', () => {
  // RFC 7677 section 3: user "user", password "pencil", SCRAM-SHA-256.
  const serverFirst = 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096';

  it('produces the RFC client messages and accepts the RFC server signature', () => {
    const c = new ScramClient('sha256', 'user', 'pencil', 'rOprNGfwEbeRWgbNEkqO');
    assert.equal(c.clientFirst(), 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO');
    assert.equal(c.clientFinal(serverFirst),
      'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=');
    c.verifyServerFinal('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
  });

  it('refuses a forged server signature, a nonce it did not start, too few iterations and server errors', () => {
    const c = new ScramClient('sha256', 'user', 'pencil', 'rOprNGfwEbeRWgbNEkqO');
    c.clientFinal(serverFirst);
    assert.throws(() => c.verifyServerFinal('v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='), /server signature does not match/);
    assert.throws(() => c.verifyServerFinal('e=invalid-proof'), /server refused: invalid-proof/);
    const d = new ScramClient('sha256', 'user', 'pencil', 'rOprNGfwEbeRWgbNEkqO');
    assert.throws(() => d.clientFinal('r=someoneelse123,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'), /does not extend the client nonce/);
    assert.throws(() => d.clientFinal('r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1'), /fewer than 4096/);
  });

  it('escapes = and , in the user name', () => {
    assert.equal(new ScramClient('sha512', 'a=b,c', 'x', 'N').clientFirst(), 'n,,n=a=3Db=2Cc,r=N');
  });
});
