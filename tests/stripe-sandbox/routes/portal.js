'use strict';
// Billing portal sessions (owner: invoices work).
const express = require('express');

module.exports = function portalRouter(store) { // eslint-disable-line no-unused-vars
  const r = express.Router();
  return r;
};
