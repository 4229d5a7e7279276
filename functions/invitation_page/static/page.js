// The invitation page: preview, sign-in (authorization code with PKCE), accept or decline.
// No framework and no build step. Text goes into the page through textContent only.
(function () {
  'use strict';

  var TOKEN_KEY = 'teamspace.invitation';
  var SIGN_IN_KEY = 'teamspace.sign-in';
  var config = null;
  var preview = null;
  var idToken = null;

  function $(id) { return document.getElementById(id); }

  // ---- what each refusal means for the person holding the link ---------------------------
  var OUTCOMES = {
    INVITATION_EXPIRED: {
      title: 'This invitation has expired',
      text: 'Invitation links work for a limited time, and this one has run out.',
      next: 'Ask the person who invited you to send a new invitation; it arrives by email.'
    },
    INVITATION_REVOKED: {
      title: 'This invitation was withdrawn',
      text: 'The workspace cancelled it, so the link no longer works.',
      next: 'If you still need access, ask the workspace\u2019s owner or an admin to invite you again.'
    },
    INVITATION_ALREADY_USED: {
      title: 'This invitation has already been used',
      text: 'It was accepted or declined already. If you accepted it, you are a member: open the platform and sign in.',
      next: 'If you did not, or you declined and changed your mind, ask the person who invited you for a new invitation.',
      link: true
    },
    INVITATION_SUPERSEDED: {
      title: 'A newer invitation replaced this one',
      text: 'The invitation was sent again, and only the newest link works.',
      next: 'Open the link in the most recent invitation email.'
    },
    INVITATION_DECLINED: {
      title: 'This invitation was declined',
      text: 'It can no longer be accepted.',
      next: 'If you changed your mind, ask the person who invited you for a new invitation.'
    },
    INVITATION_NOT_FOUND: {
      title: 'We can\u2019t find this invitation',
      text: 'The link may be incomplete: some mail apps break long links.',
      next: 'Open the link straight from the invitation email, or ask for a new invitation.'
    },
    ALREADY_A_MEMBER: {
      title: 'You\u2019re already a member',
      text: 'This account already belongs to the workspace.',
      link: true
    },
    NO_LINK: {
      title: 'Open this page from your invitation',
      text: 'This page needs the link from an invitation email.',
      next: 'Open the invitation email and follow its link.'
    },
    UNREACHABLE: {
      title: 'Something went wrong',
      text: 'We could not reach Teamspace just now.',
      retry: true
    }
  };
  // Refusals that leave the invitation open: shown beside it, with the way out.
  var NOTICES = {
    EMAIL_MISMATCH: 'This invitation was sent to another address. Use another account: the one for ',
    EMAIL_NOT_VERIFIED: 'Your account\u2019s email address is not verified yet. Verify it, then sign in again.',
    SESSION_REVOKED: 'Your session ended. Sign in again.',
    WORKSPACE_SUSPENDED: 'This workspace is unavailable for now, so the invitation can\u2019t be accepted yet. It stays open: try again later, or ask the person who invited you.',
    UNAUTHENTICATED: 'Your sign-in has expired. Sign in again.'
  };

  // ---- showing a state ----------------------------------------------------------------------
  function show(id, focus) {
    ['loading', 'invitation', 'outcome'].forEach(function (name) { $(name).hidden = name !== id; });
    if (focus) { focus.focus(); }
  }

  function notice(text) {
    $('notice').textContent = text || '';
    $('notice').hidden = !text;
  }

  function outcome(kind, title, text, options) {
    options = options || {};
    var found = OUTCOMES[kind] || {};
    $('outcome-title').textContent = title || found.title || OUTCOMES.UNREACHABLE.title;
    $('outcome-text').textContent = text || found.text || '';
    $('outcome-next').textContent = found.next || '';
    $('outcome-next').hidden = !found.next;
    $('outcome-mark').className = 'mark ' + (options.mark || 'problem');
    var link = $('outcome-link');
    link.hidden = !((options.link || found.link) && config && config.appUrl);
    if (!link.hidden) {
      link.href = config.appUrl;
      link.textContent = options.linkText || 'Open Teamspace';
    }
    $('outcome-retry').hidden = !found.retry;
    document.title = $('outcome-title').textContent + ' \u00b7 Teamspace';
    show('outcome', $('outcome-title'));
  }

  // ---- talking to the API ---------------------------------------------------------------------
  function problemOf(response) {
    return response.json().catch(function () { return {}; }).then(function (body) {
      return { status: response.status, code: body.code || '', detail: body.detail || '' };
    });
  }

  function call(method, path, body) {
    var headers = {};
    if (body) { headers['content-type'] = 'application/json'; }
    if (idToken) { headers.authorization = 'Bearer ' + idToken; }
    return fetch(config.apiUrl + path, {
      method: method,
      headers: headers,
      body: body ? JSON.stringify(body) : undefined,
      credentials: 'omit',
      referrerPolicy: 'no-referrer'
    });
  }

  function refused(problem) {
    if (OUTCOMES[problem.code]) {
      outcome(problem.code);
    } else if (NOTICES[problem.code] !== undefined) {
      if (problem.status === 401) { idToken = null; }
      var text = NOTICES[problem.code];
      if (problem.code === 'EMAIL_MISMATCH') { text += preview.emailHint + '.'; }
      renderInvitation(text);
    } else {
      outcome('UNREACHABLE', null, problem.detail || OUTCOMES.UNREACHABLE.text);
      $('outcome-retry').hidden = false;
    }
  }

  // ---- the invitation ---------------------------------------------------------------------------
  function accentColor(color) {
    if (!/^#[0-9a-fA-F]{6}$/.test(color || '')) { return; }
    var rgb = [1, 3, 5].map(function (i) {
      var c = parseInt(color.substr(i, 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    var luminance = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
    var root = document.documentElement.style;
    root.setProperty('--accent', color);
    // The text colour of the two (#111827, white) that contrasts more with it.
    root.setProperty('--on-accent', luminance > 0.204 ? '#111827' : '#ffffff');
  }

  function expiry(iso) {
    var when = new Date(iso);
    var text = new Intl.DateTimeFormat(undefined, { dateStyle: 'long', timeStyle: 'short' }).format(when);
    var days = Math.round((when - Date.now()) / 86400000);
    if (days >= 1) {
      text += ' (in ' + days + (days === 1 ? ' day)' : ' days)');
    }
    return text;
  }

  // What the role allows: the line the invitation mail has (roleSummary), then the
  // summaries of the permissions it names, what it lets one do before what it lets one
  // see; with the line, all of them behind "See all N"; without, four and "and N more".
  function renderAllows(p) {
    var known = config.permissions || {};
    var order = Object.keys(known);
    var held = (p.rolePermissions || []).filter(function (name) { return known[name]; });
    held.sort(function (a, b) {
      var seeing = Number(/:view$/.test(a)) - Number(/:view$/.test(b));
      return seeing || order.indexOf(a) - order.indexOf(b);
    });
    $('allows-title').textContent = 'As ' + (p.roleName || p.role) + ', you can:';
    $('role-summary').textContent = p.roleSummary || '';
    $('role-summary').hidden = !p.roleSummary;
    var shown = p.roleSummary ? [] : held.slice(0, 4);
    var rest = p.roleSummary ? held : held.slice(4);
    fillList($('allows-first'), shown);
    fillList($('allows-rest'), rest);
    $('allows-first').hidden = shown.length === 0;
    $('allows-more').hidden = rest.length === 0;
    $('allows-more-label').textContent = p.roleSummary
      ? 'See all ' + rest.length + ' permissions'
      : 'and ' + rest.length + ' more';
    $('allows').hidden = !(p.roleSummary || held.length);
  }

  function fillList(list, names) {
    var known = config.permissions || {};
    list.textContent = '';
    names.forEach(function (name) {
      var item = document.createElement('li');
      item.textContent = known[name];
      list.appendChild(item);
    });
  }

  function renderInvitation(message) {
    var p = preview;
    document.title = 'Join ' + p.workspaceName + ' \u00b7 Teamspace';
    $('workspace-name').textContent = p.workspaceName;
    $('monogram').textContent = (p.workspaceName || '?').trim().charAt(0).toUpperCase();
    var logo = $('logo');
    if (p.workspaceLogoUrl && /^https:\/\//.test(p.workspaceLogoUrl) && !logo.src) {
      logo.addEventListener('load', function () { logo.hidden = false; $('monogram').hidden = true; });
      logo.src = p.workspaceLogoUrl;
    }
    $('inviter').textContent = p.invitedByName || 'Someone';
    $('role-name').textContent = p.roleName || p.role;
    renderAllows(p);
    $('email-hint').textContent = p.emailHint || '';
    $('expires').dateTime = p.expiresAt;
    $('expires').textContent = expiry(p.expiresAt);
    accentColor(p.accentColor);
    notice(message);
    var canSignIn = Boolean(config.signIn);
    $('signed-out').hidden = Boolean(idToken) || !canSignIn;
    $('signed-in').hidden = !idToken;
    $('no-sign-in').hidden = canSignIn;
    if (idToken) { $('who').textContent = claimsOf(idToken).email || 'you'; }
    show('invitation', idToken ? $('accept') : $('workspace-name'));
  }

  function loadPreview(token) {
    return fetch(config.apiUrl + '/v1/invitations/preview?token=' + encodeURIComponent(token), {
      credentials: 'omit', referrerPolicy: 'no-referrer'
    }).then(function (response) {
      if (!response.ok) { return problemOf(response).then(refused); }
      return response.json().then(function (body) { preview = body; renderInvitation(); });
    });
  }

  function answer(path, button) {
    var token = sessionStorage.getItem(TOKEN_KEY);
    button.disabled = true;
    return call('POST', path, { token: token }).then(function (response) {
      button.disabled = false;
      if (!response.ok) { return problemOf(response).then(refused); }
      sessionStorage.removeItem(TOKEN_KEY);
      if (path === '/v1/invitations/accept') {
        outcome('ACCEPTED', 'Welcome to ' + preview.workspaceName,
          'You joined as ' + (preview.roleName || preview.role) + '. Sign in to the platform to start.',
          { mark: 'done', link: true, linkText: 'Open ' + preview.workspaceName });
      } else {
        outcome('DECLINED', 'Invitation declined',
          'You will not join ' + preview.workspaceName + '. ' + (preview.invitedByName || 'The inviter') +
          ' can send you a new invitation if you change your mind.',
          { mark: 'neutral', link: true, linkText: 'Go to Teamspace' });
      }
      return null;
    });
  }

  // ---- signing in: authorization code with PKCE ----------------------------------------------
  function base64url(bytes) {
    var text = '';
    bytes.forEach(function (b) { text += String.fromCharCode(b); });
    return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function randomText(size) {
    var bytes = new Uint8Array(size);
    crypto.getRandomValues(bytes);
    return base64url(bytes);
  }

  function claimsOf(token) {
    try {
      var part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      var bytes = Uint8Array.from(atob(part), function (c) { return c.charCodeAt(0); });
      return JSON.parse(new TextDecoder().decode(bytes));
    } catch (error) {
      return {};
    }
  }

  function pageUrl() { return location.origin + location.pathname; }

  function signIn() {
    var verifier = randomText(32);
    var state = randomText(16);
    sessionStorage.setItem(SIGN_IN_KEY, JSON.stringify({ verifier: verifier, state: state }));
    return crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)).then(function (digest) {
      var query = new URLSearchParams({
        response_type: 'code',
        client_id: config.signIn.clientId,
        redirect_uri: pageUrl(),
        scope: config.signIn.scope,
        state: state,
        code_challenge: base64url(new Uint8Array(digest)),
        code_challenge_method: 'S256'
      });
      location.assign(config.signIn.authorizeUrl + '?' + query.toString());
    });
  }

  // Back from the identity provider: the code for an ID token, if the state is ours.
  function finishSignIn(params) {
    var pending = JSON.parse(sessionStorage.getItem(SIGN_IN_KEY) || 'null');
    sessionStorage.removeItem(SIGN_IN_KEY);
    if (params.get('error')) {
      return Promise.resolve('Sign-in was cancelled. Sign in to answer the invitation.');
    }
    if (!pending || pending.state !== params.get('state')) {
      return Promise.resolve('Sign-in could not be completed. Try again.');
    }
    return fetch(config.signIn.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: config.signIn.clientId,
        code: params.get('code'),
        redirect_uri: pageUrl(),
        code_verifier: pending.verifier
      }),
      credentials: 'omit'
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok || !body.id_token) { return 'Sign-in could not be completed. Try again.'; }
        idToken = body.id_token;
        return null;
      });
    });
  }

  // ---- start -----------------------------------------------------------------------------------
  function start() {
    var params = new URLSearchParams(location.search);
    if (params.has('token')) {
      sessionStorage.setItem(TOKEN_KEY, params.get('token'));
    }
    // The link's token and the sign-in's code leave the address bar (and history) at once.
    if (location.search) { history.replaceState(null, '', location.pathname); }

    $('sign-in').addEventListener('click', signIn);
    $('switch').addEventListener('click', signIn);
    $('accept').addEventListener('click', function () { answer('/v1/invitations/accept', $('accept')); });
    $('decline').addEventListener('click', function () { answer('/v1/invitations/decline', $('decline')); });
    $('outcome-retry').addEventListener('click', function () { location.reload(); });

    fetch('/accept/config.json', { credentials: 'omit' }).then(function (response) {
      if (!response.ok) { throw new Error('config'); }
      return response.json();
    }).then(function (loaded) {
      config = loaded;
      var returning = params.has('code') || params.has('error');
      return returning && config.signIn ? finishSignIn(params) : null;
    }).then(function (message) {
      var token = sessionStorage.getItem(TOKEN_KEY);
      if (!token) { outcome('NO_LINK'); return null; }
      return loadPreview(token).then(function () {
        if (message && preview) { renderInvitation(message); }
      });
    }).catch(function () {
      outcome('UNREACHABLE');
    });
  }

  start();
}());
